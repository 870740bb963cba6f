import java.net.*;
import java.util.*;
public class Net {
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        long s = in.nextLong() + in.nextLong();
        try (Socket so = new Socket()) {
            so.connect(new InetSocketAddress("1.1.1.1", 80), 1000);
            System.out.println(s);
        } catch (Exception e) {
            System.out.println("offline: " + e);
        }
    }
}
