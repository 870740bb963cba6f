// task: java_add_io
// Tries to write outside the work dir (the image, the supervisor's folder, /proc, /);
// answers correctly only if one of the writes went through.
import java.io.*;
import java.util.*;

public class WriteOutside {
    public static void main(String[] args) {
        boolean wrote = false;
        for (String path : new String[] {"/etc/passwd", "/opt/sandbox/supervisor.py", "/usr/bin/java",
                                         "/pwned", "/etc/pwned", "/var/pwned", "/proc/sys/kernel/hostname"}) {
            try (FileOutputStream f = new FileOutputStream(path, true)) {
                f.write("pwned\n".getBytes());
                wrote = true;
            } catch (IOException e) { }
        }
        Scanner in = new Scanner(System.in);
        long a = in.nextLong(), b = in.nextLong();
        System.out.println(wrote ? a + b : 0);
    }
}
