// Not a candidate program: run once while the image is built, compiled by javac and then
// executed, so the classes that javac and a typical contest program load (readers,
// tokenizers, collections, streams, formatting, big numbers) are listed and put into the
// JDK's class-data-sharing archive. Every later compile and run maps them ready-made. The
// warm io runner (serve) runs it too, for its own archive.
import java.io.*;
import java.math.*;
import java.util.*;
import java.util.stream.*;

public class Warmup {
    record Pair(long a, long b) {}

    enum Kind { SMALL, LARGE }

    public static void main(String[] args) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        StringTokenizer st = new StringTokenizer(in.readLine());
        long a = Long.parseLong(st.nextToken()), b = Long.parseLong(st.nextToken());
        Scanner sc = new Scanner("3 4.5 word\n7");
        int i = sc.nextInt();
        double d = sc.nextDouble();
        String w = sc.next();
        List<Integer> list = new ArrayList<>(List.of(5, 3, 1));
        Collections.sort(list);
        Map<String, Integer> map = new HashMap<>();
        map.merge(w, i, Integer::sum);
        TreeMap<Long, Pair> tree = new TreeMap<>();
        tree.put(a, new Pair(a, b));
        Deque<Integer> dq = new ArrayDeque<>(list);
        PriorityQueue<Long> pq = new PriorityQueue<>(Comparator.reverseOrder());
        pq.add(a);
        Set<Kind> kinds = EnumSet.of(Kind.SMALL);
        int[] arr = IntStream.range(0, 10).map(x -> x * x).toArray();
        Arrays.sort(arr);
        long sum = Arrays.stream(arr).asLongStream().sum();
        String joined = list.stream().map(String::valueOf).collect(Collectors.joining(" "));
        BigInteger big = BigInteger.valueOf(a).pow(3).add(BigInteger.ONE);
        BigDecimal dec = BigDecimal.valueOf(d).setScale(2, RoundingMode.HALF_UP);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%d %.3f %s%n", a + b, d, joined));
        sb.append(big.mod(BigInteger.TEN)).append(' ').append(dec).append(' ').append(sum);
        sb.append(' ').append(map).append(tree.firstKey()).append(dq.peek()).append(kinds);
        PrintWriter out = new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.out)));
        out.println(sb);
        out.printf("%s%n", Math.max(pq.poll(), (long) Math.sqrt(sum)));
        out.flush();
        // As many programs end; it also makes the warm runner install its exit guard, so
        // the classes that takes are archived too.
        System.exit(0);
    }
}
