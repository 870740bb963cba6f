// task: java_add_io
// Spins forever, ignoring interrupts and shutdown hooks.
public class Spin {
    static volatile long n;
    public static void main(String[] args) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> { while (true) n++; }));
        while (true) n++;
    }
}
