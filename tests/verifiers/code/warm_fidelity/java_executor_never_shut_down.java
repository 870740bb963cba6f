// expect: TIME_LIMIT
// time_limit_s: 2
import java.util.*;
import java.util.concurrent.*;

public class Main {
    public static void main(String[] args) throws Exception {
        Scanner sc = new Scanner(System.in);
        int n = sc.nextInt();
        long[] a = new long[n];
        for (int i = 0; i < n; i++) a[i] = sc.nextLong();
        ExecutorService ex = Executors.newFixedThreadPool(2);  // its threads keep a JVM alive
        System.out.println(ex.submit(() -> Arrays.stream(a).sum()).get());
        Arrays.sort(a);
        StringBuilder sb = new StringBuilder();
        for (long x : a) sb.append(sb.length() > 0 ? " " : "").append(x);
        System.out.println(sb);
    }
}
