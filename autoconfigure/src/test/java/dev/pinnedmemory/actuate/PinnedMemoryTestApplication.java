package dev.pinnedmemory.actuate;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;

/** A minimal web application with Actuator for the HTTP tests; its {@code main} helps capture documentation output. */
@SpringBootConfiguration
@EnableAutoConfiguration
class PinnedMemoryTestApplication {

    public static void main(String[] args) {
        SpringApplication.run(PinnedMemoryTestApplication.class, args);
    }
}
