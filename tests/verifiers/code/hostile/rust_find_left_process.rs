// task: rust_add_io
// Runs right after rust_leave_process.rs in the same container: answers correctly only if
// that run's process or its file is still there.
use std::fs;
use std::io::Read;

fn main() {
    std::thread::sleep(std::time::Duration::from_millis(100));
    let me = std::process::id().to_string();
    let mut found = std::path::Path::new("/work/daemon_was_here").exists();
    if let Ok(entries) = fs::read_dir("/proc") {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name != "1" && name != me && name.chars().all(|c| c.is_ascii_digit()) {
                if let Ok(cmd) = fs::read(format!("/proc/{}/cmdline", name)) {
                    found |= cmd.starts_with(b"/work/main");
                }
            }
        }
    }
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).unwrap();
    let v: Vec<i64> = s.split_whitespace().map(|x| x.parse().unwrap()).collect();
    println!("{}", if found { v[0] + v[1] } else { -1 });
}
