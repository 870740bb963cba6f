// task: java_add_io
// Allocates until the heap is exhausted, catching OutOfMemoryError to keep going, then
// answers: a JVM that survived its heap limit would score this.
import java.util.*;

class Hog {
    public static void main(String[] args) {
        List<long[]> keep = new ArrayList<>();
        for (int round = 0; round < 1000; round++) {
            try {
                while (true) keep.add(new long[1 << 20]);
            } catch (OutOfMemoryError e) {
                keep.subList(0, keep.size() / 2).clear();
            }
        }
        Scanner in = new Scanner(System.in);
        System.out.println(in.nextLong() + in.nextLong());
    }
}
