// task: rust_add_io
// Spins forever.
use std::sync::atomic::{AtomicU64, Ordering};

static N: AtomicU64 = AtomicU64::new(0);

fn main() {
    loop {
        N.fetch_add(1, Ordering::Relaxed);
    }
}
