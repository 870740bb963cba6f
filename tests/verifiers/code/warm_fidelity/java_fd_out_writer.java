// declined: raw fd I/O cannot be given per test in one JVM
import java.io.*;
import java.util.*;

public class Main {
    public static void main(String[] args) throws IOException {
        DataInputStream in = new DataInputStream(new FileInputStream(FileDescriptor.in));
        PrintWriter out = new PrintWriter(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out)));
        Scanner sc = new Scanner(in);
        int n = sc.nextInt();
        long[] a = new long[n];
        long s = 0;
        for (int i = 0; i < n; i++) { a[i] = sc.nextLong(); s += a[i]; }
        Arrays.sort(a);
        out.println(s);
        for (int i = 0; i < n; i++) out.print((i > 0 ? " " : "") + a[i]);
        out.println();
        out.close();
    }
}
