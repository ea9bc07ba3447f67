package dev.trinobundle.eventlistener;

import io.airlift.configuration.Config;
import io.airlift.configuration.ConfigDescription;
import io.airlift.units.DataSize;
import io.airlift.units.Duration;
import io.airlift.units.MinDataSize;
import io.airlift.units.MinDuration;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import static io.airlift.units.DataSize.Unit.MEGABYTE;
import static java.util.concurrent.TimeUnit.HOURS;

public class FileSinkConfig
{
    private String directory;
    private DataSize maxFileSize = DataSize.of(100, MEGABYTE);
    private Duration rotationInterval = new Duration(1, HOURS);
    private int maxFiles = 100;

    @NotNull
    public String getDirectory()
    {
        return directory;
    }

    @Config("audit.file.directory")
    @ConfigDescription("Directory of the JSON Lines audit files (audit-<first sequence>.jsonl)")
    public FileSinkConfig setDirectory(String directory)
    {
        this.directory = directory;
        return this;
    }

    @NotNull
    @MinDataSize("1kB")
    public DataSize getMaxFileSize()
    {
        return maxFileSize;
    }

    @Config("audit.file.max-size")
    @ConfigDescription("A new file is started when the current one reaches this size")
    public FileSinkConfig setMaxFileSize(DataSize maxFileSize)
    {
        this.maxFileSize = maxFileSize;
        return this;
    }

    @NotNull
    @MinDuration("1s")
    public Duration getRotationInterval()
    {
        return rotationInterval;
    }

    @Config("audit.file.rotation-interval")
    @ConfigDescription("A new file is started when the current one is older than this")
    public FileSinkConfig setRotationInterval(Duration rotationInterval)
    {
        this.rotationInterval = rotationInterval;
        return this;
    }

    @Min(1)
    public int getMaxFiles()
    {
        return maxFiles;
    }

    @Config("audit.file.max-files")
    @ConfigDescription("Retention: the oldest files beyond this number are deleted")
    public FileSinkConfig setMaxFiles(int maxFiles)
    {
        this.maxFiles = maxFiles;
        return this;
    }
}
