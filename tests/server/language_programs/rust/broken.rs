fn main() {
    let x: i64 = ;
}
