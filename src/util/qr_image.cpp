// QR code -> PNG data URL (util/qr_image.hpp).
#include "util/qr_image.hpp"

#include <png.h>
#include <qrencode.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <vector>

#include "util/bytes.hpp"

namespace util {
namespace {

constexpr int kQuietZone = 4;  // modules of white border the QR spec requires around the code
constexpr int kMaxScale = 64;

struct QrFree {
  void operator()(QRcode* q) const { QRcode_free(q); }
};

// libpng reports errors by calling this and expects it not to return; it jumps back to the
// setjmp in write_png (no message to stderr: the caller turns it into an exception).
[[noreturn]] void png_error_fn(png_structp png, png_const_charp) { png_longjmp(png, 1); }
void png_warning_fn(png_structp, png_const_charp) {}

void png_write_cb(png_structp png, png_bytep data, png_size_t len) {
  auto* out = static_cast<std::vector<uint8_t>*>(png_get_io_ptr(png));
  try {
    out->insert(out->end(), data, data + len);
  } catch (const std::bad_alloc&) {
    png_error(png, "out of memory");  // never let a C++ exception cross libpng's C frames
  }
}
void png_flush_cb(png_structp) {}

struct PngWriter {
  png_structp png = nullptr;
  png_infop info = nullptr;
  PngWriter() {
    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, png_error_fn, png_warning_fn);
    if (png) info = png_create_info_struct(png);
    if (!png || !info) throw std::runtime_error("qr: cannot initialise libpng");
  }
  ~PngWriter() { png_destroy_write_struct(&png, &info); }
  PngWriter(const PngWriter&) = delete;
  PngWriter& operator=(const PngWriter&) = delete;
};

// Between setjmp and return this frame holds only trivially destructible objects, so the
// longjmp from png_error_fn skips no destructor. 1-bit grayscale: bit 1 = white, 0 = black.
bool write_png(png_structp png, png_infop info, const QRcode* qr, int scale,
               std::vector<uint8_t>* out, uint8_t* row) {
  if (setjmp(png_jmpbuf(png))) return false;
  const int modules = qr->width + 2 * kQuietZone;
  const png_uint_32 size = static_cast<png_uint_32>(modules * scale);
  png_set_write_fn(png, out, png_write_cb, png_flush_cb);
  png_set_IHDR(png, info, size, size, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  const size_t row_bytes = (size + 7) / 8;
  for (png_uint_32 y = 0; y < size; ++y) {
    std::memset(row, 0xFF, row_bytes);
    const int my = static_cast<int>(y) / scale - kQuietZone;
    if (my >= 0 && my < qr->width) {
      for (png_uint_32 x = 0; x < size; ++x) {
        const int mx = static_cast<int>(x) / scale - kQuietZone;
        // libqrencode: bit 0 of each module byte is 1 for a dark module.
        if (mx >= 0 && mx < qr->width && (qr->data[my * qr->width + mx] & 1)) {
          row[x / 8] &= static_cast<uint8_t>(~(0x80u >> (x % 8)));
        }
      }
    }
    png_write_row(png, row);
  }
  png_write_end(png, nullptr);
  return true;
}

}  // namespace

std::string qr_png_data_url(const std::string& text, int scale) {
  if (scale < 1 || scale > kMaxScale) {
    throw std::invalid_argument("qr: scale must be between 1 and " + std::to_string(kMaxScale));
  }
  if (text.empty() || text.find('\0') != std::string::npos) {
    throw std::runtime_error("qr: text must be non-empty and contain no NUL byte");
  }
  // Level M, 8-bit mode, case-sensitive; version 0 lets the library pick the smallest fit.
  std::unique_ptr<QRcode, QrFree> qr(
      QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1));
  if (!qr) {
    throw std::runtime_error(std::string("qr: cannot encode text: ") +
                             (errno == ERANGE ? "too long for a QR code" : std::strerror(errno)));
  }
  const size_t size = static_cast<size_t>(qr->width + 2 * kQuietZone) * static_cast<size_t>(scale);
  std::vector<uint8_t> row((size + 7) / 8);
  std::vector<uint8_t> png_bytes;
  PngWriter w;
  if (!write_png(w.png, w.info, qr.get(), scale, &png_bytes, row.data())) {
    throw std::runtime_error("qr: PNG encoding failed");
  }
  return "data:image/png;base64," + base64_encode(png_bytes);
}

}  // namespace util
