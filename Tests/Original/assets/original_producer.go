// Command original_producer sends frames to Kafka exactly as the original design's Go producer (goproducerrtsp,
// GoCV + sarama) does, with generated pictures in place of an RTSP camera, so the pipeline can be tested against the
// original client: a sarama AsyncProducer with RequiredAcks=WaitForAll and no compression, a message of
// json.Marshal({Pix, Channels, Rows, Cols}) where Pix holds RGBA bytes (what gocv's Mat.ToImage gives for a camera)
// while Channels is the camera Mat's 3, no key, no headers, Timestamp time.Now().
//
// Two settings differ from the original, neither visible on the wire: config.Version, which Kafka 4 requires (it
// accepts only record-batch produce requests, sarama's default protocol predates them), and Return.Successes, so the
// program can report where each frame landed.
//
// Build (Debian golang-go and golang-github-shopify-sarama-dev, offline):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o original_producer original_producer.go
//
// Output: one JSON line per acknowledged frame, {"frame", "partition", "offset", "mean"}, where mean is what the
// original Python consumer prints for it (the mean of the R, G and B bytes).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"os"
	"strings"
	"time"

	"github.com/Shopify/sarama"
)

// Result represents the Kafka queue message format (as in the original main.go).
type Result struct {
	Pix      []byte `json:"pix"`
	Channels int    `json:"channels"`
	Rows     int    `json:"rows"`
	Cols     int    `json:"cols"`
}

type delivery struct {
	Frame     int     `json:"frame"`
	Partition int32   `json:"partition"`
	Offset    int64   `json:"offset"`
	Mean      float64 `json:"mean"`
}

func main() {
	brokers := flag.String("brokers", "localhost:9092", "comma-separated host:port list (the original's KAFKAPORT)")
	topic := flag.String("topic", "frames", "topic to produce to (the original's TOPICNAME)")
	frames := flag.Int("frames", 10, "number of frames to send")
	cols := flag.Int("cols", 320, "frame width")
	rows := flag.Int("rows", 240, "frame height")
	interval := flag.Duration("interval", 100*time.Millisecond, "time between frames (a camera's frame period)")
	maxMessageBytes := flag.Int("max-message-bytes", 0, "sarama Producer.MaxMessageBytes; 0 keeps sarama's 1000000 (too small for 720p)")
	timeout := flag.Duration("timeout", 60*time.Second, "give up when the frames are not all acknowledged by then")
	flag.Parse()

	config := sarama.NewConfig()
	config.Version = sarama.V2_1_0_0
	config.Producer.RequiredAcks = sarama.WaitForAll
	config.Producer.Compression = sarama.CompressionNone
	config.Producer.Return.Successes = true
	if *maxMessageBytes > 0 {
		config.Producer.MaxMessageBytes = *maxMessageBytes
	}

	producer, err := sarama.NewAsyncProducer(strings.Split(*brokers, ","), config)
	if err != nil {
		fail("Failed to connect to Kafka. Error: " + err.Error())
	}

	// Acknowledgements are read while frames are sent: the producer's channels are buffered, not unbounded.
	done := make(chan error, 1)
	go func() {
		encoder := json.NewEncoder(os.Stdout)
		deadline := time.After(*timeout)
		for acknowledged := 0; acknowledged < *frames; acknowledged++ {
			select {
			case message := <-producer.Successes():
				sent := message.Metadata.(delivery)
				sent.Partition, sent.Offset = message.Partition, message.Offset
				if err := encoder.Encode(sent); err != nil {
					done <- err
					return
				}
			case failure := <-producer.Errors():
				done <- fmt.Errorf("frame %v was not delivered: %v", failure.Msg.Metadata.(delivery).Frame, failure.Err)
				return
			case <-deadline:
				done <- fmt.Errorf("%d of %d frames acknowledged within %v", acknowledged, *frames, *timeout)
				return
			}
		}
		done <- nil
	}()

	// A ticker paces the frames like a camera's frame period, the pace of the original's capture loop.
	camera := time.NewTicker(*interval)
	defer camera.Stop()
	for frame := 0; frame < *frames; frame++ {
		<-camera.C
		img := picture(frame, *cols, *rows)
		doc := Result{
			Pix:      img.Pix,
			Channels: 3,
			Rows:     *rows,
			Cols:     *cols,
		}
		docBytes, err := json.Marshal(doc)
		if err != nil {
			fail("Json marshalling error. Error: " + err.Error())
		}
		producer.Input() <- &sarama.ProducerMessage{
			Topic:     *topic,
			Value:     sarama.ByteEncoder(docBytes),
			Timestamp: time.Now(),
			Metadata:  delivery{Frame: frame, Mean: meanRGB(img)},
		}
	}

	if err := <-done; err != nil {
		producer.Close()
		fail(err.Error())
	}
	// Close flushes what is batched, as the original's deferred Close does.
	if err := producer.Close(); err != nil {
		fail("Closing the producer failed: " + err.Error())
	}
}

// picture is frame n of a deterministic sequence: gradients that move with n, opaque (as gocv's BGR-to-RGBA gives).
func picture(n, cols, rows int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, cols, rows))
	for y := 0; y < rows; y++ {
		for x := 0; x < cols; x++ {
			at := img.PixOffset(x, y)
			img.Pix[at] = byte(x + 7*n)
			img.Pix[at+1] = byte(y + 13*n)
			img.Pix[at+2] = byte(40 * n)
			img.Pix[at+3] = 255
		}
	}
	return img
}

// meanRGB is numpy's img.mean() over the (rows, cols, 3) image the original consumer builds from pix[0::4], [1::4], [2::4].
func meanRGB(img *image.RGBA) float64 {
	var sum uint64
	for at := 0; at < len(img.Pix); at += 4 {
		sum += uint64(img.Pix[at]) + uint64(img.Pix[at+1]) + uint64(img.Pix[at+2])
	}
	return float64(sum) / float64(len(img.Pix)/4*3)
}

func fail(message string) {
	fmt.Fprintln(os.Stderr, message)
	os.Exit(1)
}
