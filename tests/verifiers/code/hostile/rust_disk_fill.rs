// task: rust_add_io
// Fills /tmp, /work and /dev/shm until writes fail.
use std::fs;

fn main() {
    let block = vec![b'x'; 4 << 20];
    for d in ["/tmp", "/work", "/dev/shm"] {
        for i in 0..10000 {
            if fs::write(format!("{}/fill{}", d, i), &block).is_err() {
                break;
            }
        }
    }
    println!("wrong");
}
