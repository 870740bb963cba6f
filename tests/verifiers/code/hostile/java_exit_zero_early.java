// task: java_add_io
// Exits with status 0 before answering: halt skips shutdown hooks and finally blocks.
public class EarlyExit {
    public static void main(String[] args) {
        try {
            Runtime.getRuntime().halt(0);
        } finally {
            System.out.println("unreachable");
        }
    }
}
