using System.Net;
using System.Net.Sockets;

namespace AspirePipeline.TestSupport;

/// <summary>Loopback ports for tests of what happens when nothing listens.</summary>
public static class Ports
{
    /// <summary>A loopback port that was free a moment ago: bound, read and released, so nothing listens on it.</summary>
    public static int Unused()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
