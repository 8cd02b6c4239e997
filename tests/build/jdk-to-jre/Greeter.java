public class Greeter {
    public static void main(String[] args) {
        System.out.println("greeter runs on a " + (System.getProperty("java.vm.name") != null ? "JVM" : "?"));
    }
}
