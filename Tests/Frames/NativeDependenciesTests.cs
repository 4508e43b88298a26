using AspirePipeline.Frames;

namespace AspirePipeline.Tests.Frames;

public sealed class NativeDependenciesTests
{
    [Fact]
    public void OpenCv_loads_on_a_machine_with_the_prerequisites() =>
        Assert.Null(NativeDependencies.DescribeOpenCvProblem());

    [Fact]
    public void A_missing_library_is_named_with_its_Debian_package()
    {
        // The loader's own words on a clean Debian without libatomic1 (seen in a debootstrapped container).
        var failure = new TypeInitializationException("OpenCvSharp.Internal.NativeMethods", new DllNotFoundException(
            "Unable to load shared library 'OpenCvSharpExtern' or one of its dependencies. In order to help diagnose loading problems, "
            + "consider using a tool like strace. libatomic.so.1: cannot open shared object file: No such file or directory"));

        var message = NativeDependencies.ExplainOpenCvLoadFailure(failure);

        Assert.Contains("(libatomic.so.1 missing)", message, StringComparison.Ordinal);
        Assert.Contains("install the Debian package(s) libatomic1", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_program_missing_from_PATH_names_the_package_and_the_setting()
    {
        Assert.Null(NativeDependencies.DescribeMissingProgram("ffmpeg", "ffmpeg", "Producer PATH"));
        Assert.Null(NativeDependencies.DescribeMissingProgram("/bin/sh", "dash", "Shell"));

        var missing = NativeDependencies.DescribeMissingProgram("no-such-program-42", "no-such-package", "Tools:Program");
        var missingPath = NativeDependencies.DescribeMissingProgram("/opt/none/ffmpeg", "ffmpeg", "Tools:Ffmpeg");

        Assert.Contains("install the Debian package no-such-package", missing, StringComparison.Ordinal);
        Assert.Contains("Tools:Program", missing, StringComparison.Ordinal);
        Assert.Contains("/opt/none/ffmpeg (set by Tools:Ffmpeg) does not exist", missingPath, StringComparison.Ordinal);
    }
}
