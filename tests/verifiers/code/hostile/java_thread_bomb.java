// task: java_add_io
// Starts threads that never end until thread creation fails, then keeps trying.
public class ThreadBomb {
    public static void main(String[] args) {
        while (true) {
            try {
                Thread t = new Thread(() -> {
                    while (true) {
                        try { Thread.sleep(100000); } catch (InterruptedException e) { }
                    }
                });
                t.setDaemon(false);
                t.start();
            } catch (Throwable e) {
                // OutOfMemoryError: unable to create native thread; try again
            }
        }
    }
}
