import java.io.*;
import java.util.*;

class Solution {
    static BufferedReader br;
    static StringTokenizer st;

    static String next() throws IOException {
        while (st == null || !st.hasMoreTokens()) st = new StringTokenizer(br.readLine());
        return st.nextToken();
    }

    public static void main(String[] args) throws IOException {
        br = new BufferedReader(new InputStreamReader(System.in));
        PrintWriter out = new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.out)));
        int n = Integer.parseInt(next());
        List<Long> xs = new ArrayList<>();
        long sum = 0;
        for (int i = 0; i < n; i++) { long x = Long.parseLong(next()); xs.add(x); sum += x; }
        Collections.sort(xs);
        out.println(sum);
        StringJoiner j = new StringJoiner(" ");
        for (long x : xs) j.add(Long.toString(x));
        out.println(j);
        out.flush();
    }
}
