// task: rust_add_io
// Keeps every allocation alive (and touched) until memory runs out.
fn main() {
    let mut keep: Vec<Vec<u8>> = Vec::new();
    loop {
        keep.push(vec![7u8; 1 << 20]);
        if keep.len() == usize::MAX {
            println!("{}", keep.len());
        }
    }
}
