import java.util.*;
import java.util.concurrent.*;

public class Main {
    public static void main(String[] args) throws Exception {
        Scanner sc = new Scanner(System.in);
        int n = sc.nextInt();
        long[] a = new long[n];
        for (int i = 0; i < n; i++) a[i] = sc.nextLong();
        ExecutorService ex = Executors.newFixedThreadPool(2);
        Future<Long> sum = ex.submit(() -> Arrays.stream(a).sum());
        Future<long[]> sorted = ex.submit(() -> { long[] b = a.clone(); Arrays.sort(b); return b; });
        System.out.println(sum.get());
        StringBuilder sb = new StringBuilder();
        for (long x : sorted.get()) sb.append(sb.length() > 0 ? " " : "").append(x);
        System.out.println(sb);
        ex.shutdown();
    }
}
