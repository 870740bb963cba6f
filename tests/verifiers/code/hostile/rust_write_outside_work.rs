// task: rust_add_io
// Tries to write outside the work dir; answers correctly only if a write went through.
use std::fs::OpenOptions;
use std::io::{Read, Write};

fn main() {
    let mut wrote = false;
    for p in ["/etc/passwd", "/opt/sandbox/supervisor.py", "/usr/bin/rustc", "/pwned", "/etc/pwned",
              "/var/pwned", "/proc/sys/kernel/hostname"] {
        if let Ok(mut f) = OpenOptions::new().append(true).create(true).open(p) {
            wrote |= f.write_all(b"pwned\n").is_ok();
        }
    }
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).unwrap();
    let v: Vec<i64> = s.split_whitespace().map(|x| x.parse().unwrap()).collect();
    println!("{}", if wrote { v[0] + v[1] } else { 0 });
}
