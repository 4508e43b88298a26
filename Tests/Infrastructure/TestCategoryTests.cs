using System.Reflection;

namespace AspirePipeline.Tests.Infrastructure;

[Trait(TestCategory.Key, TestCategory.Unit)]
public sealed class TestCategoryTests
{
    [Fact]
    public void Every_test_class_is_in_one_tier()
    {
        // ./test.sh --filter Category=Unit must not silently leave out (or take in) a class that forgot its trait.
        var uncategorised = typeof(TestCategoryTests).Assembly.GetTypes()
            .Where(type => !type.IsAbstract && type.GetMethods().Any(method => method.GetCustomAttributes<FactAttribute>().Any()))
            .Where(type => type.GetCustomAttributes<TraitAttribute>()
                .Count(trait => trait.GetType() == typeof(TraitAttribute)) != 1 || !HasCategory(type))
            .Select(type => type.FullName)
            .Order()
            .ToList();

        Assert.True(uncategorised.Count == 0,
            $"Test classes without [Trait(TestCategory.Key, TestCategory.Unit, Integration or Deployment)]: {string.Join(", ", uncategorised)}");
    }

    private static bool HasCategory(Type type) =>
        type.GetCustomAttributesData().Any(attribute => attribute.AttributeType == typeof(TraitAttribute)
            && attribute.ConstructorArguments is
                [{ Value: TestCategory.Key },
                    { Value: TestCategory.Unit or TestCategory.Integration or TestCategory.Deployment or TestCategory.Network }]);
}
