import java.util.*;

record Item(long value) implements Comparable<Item> {
    public int compareTo(Item o) { return Long.compare(value, o.value); }
}

enum Mode { SUM, SORT }

public class Whatever {
    public static void main(String[] args) {
        Scanner sc = new Scanner(System.in);
        int n = sc.nextInt();
        TreeMap<Item, Integer> items = new TreeMap<>();
        long sum = 0;
        for (int i = 0; i < n; i++) { Item it = new Item(sc.nextLong()); items.merge(it, 1, Integer::sum); sum += it.value(); }
        for (Mode m : Mode.values()) {
            if (m == Mode.SUM) System.out.printf("%d%n", sum);
            else {
                StringBuilder sb = new StringBuilder();
                items.forEach((k, c) -> { for (int i = 0; i < c; i++) sb.append(sb.length() > 0 ? " " : "").append(k.value()); });
                System.out.print(String.format("%s%n", sb));
            }
        }
    }
}
