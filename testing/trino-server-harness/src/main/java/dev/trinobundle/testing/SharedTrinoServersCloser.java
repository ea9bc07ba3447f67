package dev.trinobundle.testing;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/** Registered through {@code META-INF/services}: stops the shared servers when the test run ends. */
public final class SharedTrinoServersCloser
        implements LauncherSessionListener
{
    @Override
    public void launcherSessionClosed(LauncherSession session)
    {
        SharedTrinoServers.closeAll();
    }
}
