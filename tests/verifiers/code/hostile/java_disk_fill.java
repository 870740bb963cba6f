// task: java_add_io
// Fills /tmp, /work and /dev/shm until writes fail.
import java.io.*;

public class DiskFill {
    public static void main(String[] args) {
        byte[] block = new byte[4 << 20];
        for (String d : new String[] {"/tmp", "/work", "/dev/shm"}) {
            for (int i = 0; i < 10000; i++) {
                try (FileOutputStream f = new FileOutputStream(d + "/fill" + i)) {
                    f.write(block);
                } catch (IOException e) {
                    break;
                }
            }
        }
        System.out.println("wrong");
    }
}
