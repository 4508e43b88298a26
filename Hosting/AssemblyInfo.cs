namespace AspirePipeline.Hosting;
