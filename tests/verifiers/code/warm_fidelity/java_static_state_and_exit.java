import java.io.*;
import java.util.*;
import java.util.stream.*;

public class Answer {
    static int runs = 0;
    static final Map<Long, Integer> seen = new HashMap<>();

    public static void main(String[] args) throws IOException {
        runs++;
        String all = new String(System.in.readAllBytes());
        StringTokenizer st = new StringTokenizer(all);
        int n = Integer.parseInt(st.nextToken());
        long[] a = new long[n];
        for (int i = 0; i < n; i++) { a[i] = Long.parseLong(st.nextToken()); seen.merge(a[i], 1, Integer::sum); }
        long sum = LongStream.of(a).sum() + (runs - 1) + (seen.values().stream().mapToInt(x -> x).sum() - n);
        System.out.println(sum);
        System.out.println(LongStream.of(a).sorted().mapToObj(Long::toString).collect(Collectors.joining(" ")));
        System.exit(0);
    }
}
