namespace AspirePipeline.Frames;
