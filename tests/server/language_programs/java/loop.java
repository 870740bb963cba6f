public class Spin { public static void main(String[] a) { while (true) { } } }
