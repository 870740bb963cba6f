package solution.io;

import java.io.*;
import java.util.*;

public class FastMain {
    private static final InputStream in = System.in;
    private static final byte[] buf = new byte[1 << 16];
    private static int len = 0, ptr = 0;

    private static int read() throws IOException {
        if (ptr == len) { len = in.read(buf, 0, buf.length); ptr = 0; if (len <= 0) return -1; }
        return buf[ptr++];
    }

    private static long nextLong() throws IOException {
        int c = read();
        while (c != '-' && (c < '0' || c > '9')) c = read();
        boolean neg = c == '-';
        if (neg) c = read();
        long r = 0;
        while (c >= '0' && c <= '9') { r = r * 10 + (c - '0'); c = read(); }
        return neg ? -r : r;
    }

    public static void main(String[] args) throws IOException {
        int n = (int) nextLong();
        long[] a = new long[n];
        long s = 0;
        for (int i = 0; i < n; i++) { a[i] = nextLong(); s += a[i]; }
        Arrays.sort(a);
        StringBuilder sb = new StringBuilder().append(s).append('\n');
        for (int i = 0; i < n; i++) sb.append(i > 0 ? " " : "").append(a[i]);
        System.out.print(sb.append('\n'));
    }
}
