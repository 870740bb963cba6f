// task: rust_add_io
// then: rust_find_left_process.rs
// Answers correctly, then forks a child that starts a new session and keeps writing a file.
use std::io::{Read, Write};

extern "C" {
    fn fork() -> i32;
    fn setsid() -> i32;
    fn signal(sig: i32, handler: usize) -> usize;
}

fn main() {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).unwrap();
    let v: Vec<i64> = s.split_whitespace().map(|x| x.parse().unwrap()).collect();
    println!("{}", v[0] + v[1]);
    std::io::stdout().flush().unwrap();
    unsafe {
        if fork() == 0 {
            setsid();
            for sig in [1, 2, 15] {
                signal(sig, 1); // SIG_IGN
            }
            loop {
                let _ = std::fs::write("/work/daemon_was_here", b"x");
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        }
    }
}
