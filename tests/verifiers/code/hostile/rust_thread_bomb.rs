// task: rust_add_io
// Starts sleeping threads until creation fails, then keeps trying.
use std::thread;
use std::time::Duration;

fn main() {
    loop {
        let _ = thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(|| loop {
                thread::sleep(Duration::from_secs(1000));
            });
    }
}
