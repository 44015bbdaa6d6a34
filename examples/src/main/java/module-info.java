/** Small programs that show vswitch4j's uses; {@code Demo} is the one the README runs first. */
module org.vswitch4j.examples {
    requires org.vswitch4j.core;
    requires org.vswitch4j.testkit;
    requires org.vswitch4j.flow;

    exports org.vswitch4j.examples;
}
