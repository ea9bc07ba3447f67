package dev.trinobundle.it.deployment;

import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Debian's Chromium, headless, driven through Debian's chromedriver: the driver and browser paths are given, so Selenium
 * Manager never runs (it would download a browser); a fresh profile, and none of Chromium's own network traffic.
 */
final class HeadlessChromium
{
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private HeadlessChromium() {}

    static ChromeDriver start(Path directory)
            throws IOException
    {
        for (Path executable : List.of(CHROMIUM, CHROMEDRIVER)) {
            if (!Files.isExecutable(executable)) {
                throw new IllegalStateException("%s not found: install Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver; .ci/run does)".formatted(executable));
            }
        }
        Files.createDirectories(directory);
        ChromeOptions options = new ChromeOptions()
                .setBinary(CHROMIUM.toFile())
                .addArguments(
                        "--headless=new",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-dev-shm-usage",
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--disable-default-apps",
                        "--no-first-run",
                        "--window-size=1400,1000",
                        "--user-data-dir=" + Files.createTempDirectory(directory, "profile-"));
        // the proxy's and Keycloak's certificates are self-signed for this test only
        options.setAcceptInsecureCerts(true);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(new File(directory.resolve("chromedriver.log").toString()))
                .build();
        return new ChromeDriver(service, options);
    }
}
