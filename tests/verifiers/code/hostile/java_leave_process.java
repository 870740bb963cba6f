// task: java_add_io
// then: java_find_left_process.java
// Answers correctly but leaves a detached process behind that keeps writing a file.
import java.util.*;

public class Daemon {
    public static void main(String[] args) throws Exception {
        Scanner in = new Scanner(System.in);
        long a = in.nextLong(), b = in.nextLong();
        System.out.println(a + b);
        System.out.flush();
        new ProcessBuilder("/bin/sh", "-c",
            "(trap '' HUP TERM INT; while :; do echo x > /work/daemon_was_here; sleep 0.01; done) "
            + "</dev/null >/dev/null 2>&1 &").inheritIO().start().waitFor();
    }
}
