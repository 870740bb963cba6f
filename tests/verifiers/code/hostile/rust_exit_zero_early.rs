// task: rust_add_io
// Exits with status 0 before answering; destructors never run.
struct Answer;

impl Drop for Answer {
    fn drop(&mut self) {
        println!("unreachable");
    }
}

fn main() {
    let _a = Answer;
    std::process::exit(0);
}
