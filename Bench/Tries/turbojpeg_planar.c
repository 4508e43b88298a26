/*
 * A try for issue #22, kept so it can be repeated: would ffmpeg writing raw YUV 4:2:0 and the producer encoding the
 * planes with TurboJPEG (tjCompressFromYUVPlanes, no colour conversion) cost less than ffmpeg's range table and MJPEG
 * encoder? Reads 1280x720 yuv420p frames from stdin (a pipe, enlarged to 1 MiB as the producer enlarges its own),
 * encodes each at quality 80 and prints the CPU per frame spent reading and encoding. Not used by the pipeline.
 *
 *   apt-get install --no-install-recommends libturbojpeg0 gcc libc6-dev
 *   gcc -O2 Bench/Tries/turbojpeg_planar.c -o /tmp/tj /usr/lib/x86_64-linux-gnu/libturbojpeg.so.0
 *   CLIP=.data/bench/clips/camera-1280x720-30.h264   # recorded by the cameras benchmark
 *   perf stat -r 7 -e task-clock sh -c "ffmpeg -v error -threads 1 -i $CLIP -f rawvideo -pix_fmt yuv420p - | /tmp/tj"
 *   perf stat -r 7 -e task-clock sh -c "ffmpeg -v error -threads 1 -i $CLIP \
 *     -vf 'format=yuv420p,lutyuv=y=(val-16)*255/219:u=(val-128)*255/224+128:v=(val-128)*255/224+128' \
 *     -c:v mjpeg -threads 1 -strict -1 -pix_fmt yuv420p -q:v 8 -f image2pipe - | cat >/dev/null"
 *
 * The first leaves out the TV-to-full-range table the second includes, so it is the raw path's best case.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

typedef void *tjhandle;
tjhandle tjInitCompress(void);
int tjCompressFromYUVPlanes(tjhandle handle, const unsigned char **planes, int width, const int *strides, int height,
                            int subsampling, unsigned char **jpeg, unsigned long *jpegSize, int quality, int flags);
unsigned long tjBufSize(int width, int height, int subsampling);

enum { Width = 1280, Height = 720, Subsampling420 = 2, NoRealloc = 1024, FastDct = 2048, SetPipeSize = 1031 };

static double cpu_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(void) {
  const size_t frame_bytes = (size_t)Width * Height * 3 / 2;
  unsigned char *frame = malloc(frame_bytes);
  fcntl(0, SetPipeSize, 1 << 20);
  tjhandle encoder = tjInitCompress();
  unsigned long capacity = tjBufSize(Width, Height, Subsampling420);
  unsigned char *jpeg = malloc(capacity);
  double reading = 0, encoding = 0;
  size_t frames = 0, bytes = 0;
  for (;;) {
    double started = cpu_ms();
    size_t got = 0;
    while (got < frame_bytes) {
      ssize_t n = read(0, frame + got, frame_bytes - got);
      if (n <= 0) goto done;
      got += (size_t)n;
    }
    double read_at = cpu_ms();
    reading += read_at - started;
    const unsigned char *planes[3] = {frame, frame + Width * Height, frame + Width * Height * 5 / 4};
    int strides[3] = {Width, Width / 2, Width / 2};
    unsigned long size = capacity;
    if (tjCompressFromYUVPlanes(encoder, planes, Width, strides, Height, Subsampling420, &jpeg, &size, 80,
                                NoRealloc | FastDct)) {
      fputs("tjCompressFromYUVPlanes failed\n", stderr);
      return 1;
    }
    encoding += cpu_ms() - read_at;
    frames++;
    bytes += size;
  }
done:
  if (frames == 0) {
    fputs("no complete frame on stdin\n", stderr);
    return 1;
  }
  fprintf(stderr, "frames %zu, read %.2f ms/frame, encode %.2f ms/frame, %zu bytes/frame\n", frames, reading / frames,
          encoding / frames, bytes / frames);
  return 0;
}
