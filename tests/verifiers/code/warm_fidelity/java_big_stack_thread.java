import java.io.*;
import java.util.*;

public class Main implements Runnable {
    long[] a;

    long sumFrom(int i) { return i == a.length ? 0 : a[i] + sumFrom(i + 1); }

    long deep(int d) { return d == 0 ? 0 : 1 + deep(d - 1); }

    public void run() {
        try {
            DataInputStream in = new DataInputStream(new BufferedInputStream(System.in));
            StreamTokenizer t = new StreamTokenizer(new BufferedReader(new InputStreamReader(in)));
            t.nextToken();
            int n = (int) t.nval;
            a = new long[n];
            for (int i = 0; i < n; i++) { t.nextToken(); a[i] = (long) t.nval; }
            long sum = sumFrom(0) + deep(200000) - 200000;
            long[] b = a.clone();
            Arrays.sort(b);
            BufferedWriter w = new BufferedWriter(new OutputStreamWriter(System.out));
            w.write(sum + "\n");
            for (int i = 0; i < n; i++) w.write((i > 0 ? " " : "") + b[i]);
            w.write("\n");
            w.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void main(String[] args) throws InterruptedException {
        Thread t = new Thread(null, new Main(), "solver", 1 << 27);
        t.start();
        t.join();
    }
}
