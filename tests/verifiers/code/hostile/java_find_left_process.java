// task: java_add_io
// Runs right after java_leave_process.java in the same container: answers correctly only
// if that run's process or its file is still there.
import java.io.*;
import java.util.*;

public class Finder {
    public static void main(String[] args) throws Exception {
        Thread.sleep(100);
        long me = ProcessHandle.current().pid();
        boolean found = new File("/work/daemon_was_here").exists()
            || ProcessHandle.allProcesses().anyMatch(p -> p.pid() != me && p.pid() != 1
                && p.info().command().map(c -> c.endsWith("sh") || c.endsWith("sleep")).orElse(false));
        Scanner in = new Scanner(System.in);
        long a = in.nextLong(), b = in.nextLong();
        System.out.println(found ? a + b : -1);
    }
}
