// task: java_add_io
// Floods stdout without end.
public class Flood {
    public static void main(String[] args) {
        java.io.PrintStream out = new java.io.PrintStream(
            new java.io.BufferedOutputStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), 1 << 16));
        String line = "x".repeat(1000);
        while (true) out.println(line);
    }
}
