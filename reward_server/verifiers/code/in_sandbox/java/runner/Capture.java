import java.io.OutputStream;
import java.util.Arrays;

/**
 * One test's stdout or stderr: keeps at most `cap` bytes. Going over the cap calls
 * `onOverflow` once (stdout: the test ends there, as a one-off run is stopped); after
 * `freeze` (the test ended) writes are dropped, as a process that has exited prints nothing.
 */
final class Capture extends OutputStream {
    private final int cap;
    private final Runnable onOverflow;
    private byte[] buf = new byte[256];
    private int size;
    private boolean frozen;
    private boolean overflowed;

    Capture(int cap, Runnable onOverflow) {
        this.cap = cap;
        this.onOverflow = onOverflow;
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        boolean over;
        synchronized (this) {
            if (frozen || overflowed) {
                return;
            }
            int room = cap - size;
            over = len > room;
            int take = over ? room : len;
            if (size + take > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(size + take, Math.min(buf.length * 2, cap)));
            }
            System.arraycopy(b, off, buf, size, take);
            size += take;
            overflowed = over;
        }
        if (over && onOverflow != null) {
            onOverflow.run();
        }
    }

    synchronized void freeze() {
        frozen = true;
    }

    synchronized byte[] bytes() {
        return Arrays.copyOf(buf, size);
    }
}
