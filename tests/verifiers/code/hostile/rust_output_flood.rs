// task: rust_add_io
// Floods stdout without end.
use std::io::{BufWriter, Write};

fn main() {
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let line = "x".repeat(1000);
    loop {
        let _ = writeln!(out, "{}", line);
    }
}
