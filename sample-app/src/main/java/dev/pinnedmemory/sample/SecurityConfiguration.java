package dev.pinnedmemory.sample;

import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.security.autoconfigure.actuate.web.servlet.EndpointRequest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Who may do what:
 * <ul>
 * <li>{@code GET} on the exposed Actuator endpoints ({@code health}, {@code metrics},
 *     {@code prometheus}, {@code pinnedmemory}): anyone, as scrapers and probes expect;</li>
 * <li>every other method on an Actuator endpoint, i.e. the {@code pinnedmemory} resize: HTTP Basic with
 *     role ADMIN (401 without credentials, 403 for an account without the role);</li>
 * <li>{@code /api/**}: anyone (a sample data service; put it behind your own gateway);</li>
 * <li>{@code /v2} and {@code /v2/**}, the Open Inference Protocol: anyone, as inference clients and KServe's
 *     probes expect (put it behind your own gateway or mesh policy);</li>
 * <li>anything else: nobody (401, or 403 when logged in), so an endpoint added later stays closed until a
 *     rule opens it.</li>
 * </ul>
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(SecurityConfiguration.class);

    static final String ADMIN = "ADMIN";

    @Bean
    SecurityFilterChain securityFilterChain(HttpSecurity http) throws Exception {
        http.authorizeHttpRequests(requests -> requests
                        .requestMatchers(EndpointRequest.toAnyEndpoint().withHttpMethod(HttpMethod.GET)).permitAll()
                        .requestMatchers(EndpointRequest.toAnyEndpoint()).hasRole(ADMIN)
                        .requestMatchers("/api/**").permitAll()
                        .requestMatchers("/v2", "/v2/**").permitAll()
                        // Errors are rendered at /error; closing it would turn every 4xx into a 401.
                        .requestMatchers("/error").permitAll()
                        .anyRequest().denyAll())
                .httpBasic(Customizer.withDefaults())
                .sessionManagement(sessions -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                // CSRF protection is off because nothing here can be forged from another site: there is no
                // session or cookie to ride on (stateless, credentials sent with each request), and the only
                // writes take bodies a cross-site HTML form cannot send (application/json for the resize,
                // application/octet-stream for batches), so a browser must ask CORS first, and no origin is allowed.
                // The inference endpoints (/v2) are open to anyone anyway, as inference servers are.
                .csrf(csrf -> csrf.disable());
        return http.build();
    }

    @Bean
    PasswordEncoder passwordEncoder() {
        return PasswordEncoderFactories.createDelegatingPasswordEncoder();
    }

    @Bean
    UserDetailsService users(SampleSecurityProperties properties, PasswordEncoder encoder) {
        SampleSecurityProperties.Admin admin = properties.admin();
        if (SampleSecurityProperties.DEFAULT_ADMIN_PASSWORD.equals(admin.password())) {
            LOG.warn("sample.admin.password is the default '{}': fine on your machine, never anywhere else; "
                    + "set SAMPLE_ADMIN_PASSWORD (and SAMPLE_ADMIN_USERNAME)", SampleSecurityProperties.DEFAULT_ADMIN_PASSWORD);
        }
        List<UserDetails> users = new ArrayList<>();
        users.add(User.withUsername(admin.username()).password(encoded(admin.password(), encoder)).roles(ADMIN).build());
        SampleSecurityProperties.Viewer viewer = properties.viewer();
        if (viewer != null && hasText(viewer.username()) && hasText(viewer.password())) {
            users.add(User.withUsername(viewer.username()).password(encoded(viewer.password(), encoder)).roles("VIEWER")
                    .build());
        }
        return new InMemoryUserDetailsManager(users);
    }

    /** Keeps an already encoded password ({@code {bcrypt}...}) as it is; encodes a plain one. */
    private static String encoded(String password, PasswordEncoder encoder) {
        return password.matches("\\{[\\w-]+}.+") ? password : encoder.encode(password);
    }

    private static boolean hasText(String value) {
        return value != null && !value.isBlank();
    }
}
