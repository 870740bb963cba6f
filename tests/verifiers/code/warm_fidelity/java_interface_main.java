import java.io.*;
import java.util.*;

interface Main {
    static void main(String[] args) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(System.in));
        int n = Integer.parseInt(r.readLine().trim());
        long[] a = Arrays.stream(r.readLine().trim().split("\\s+")).limit(n).mapToLong(Long::parseLong).toArray();
        System.out.println(Arrays.stream(a).sum());
        Arrays.sort(a);
        StringJoiner j = new StringJoiner(" ");
        for (long x : a) j.add(String.valueOf(x));
        System.out.println(j);
    }
}
