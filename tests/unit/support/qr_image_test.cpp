#include <catch2/catch.hpp>
#include <png.h>
#include <qrencode.h>

#include <stdexcept>

#include "util/bytes.hpp"
#include "util/qr_image.hpp"

namespace {

const std::string kPrefix = "data:image/png;base64,";

// A realistic pairing QR text (PROTOCOL.md §6 format, made-up values).
const std::string kPairText =
    "https://wa.me/settings/linked_devices#2@AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/==,"
    "x8sW0c2n0p3Ay0fMj2m2I7lBn4Y5mV1kq6oQm2pJkXk=,Pq2Vv7fQm3fJk8s2W0c2n0p3Ay0fMj2m2I7lBn4Y5mU=,"
    "u3fJk8s2W0c2n0p3Ay0fMj2m2I7lBn4Y5mV1kq6oQm0=,9";

util::Bytes png_of(const std::string& url) {
  REQUIRE(url.rfind(kPrefix, 0) == 0);
  auto bytes = util::base64_decode(url.substr(kPrefix.size()));
  REQUIRE(bytes.has_value());
  return *bytes;
}

uint32_t be32(const util::Bytes& b, size_t off) {
  return (uint32_t(b[off]) << 24) | (uint32_t(b[off + 1]) << 16) | (uint32_t(b[off + 2]) << 8) |
         uint32_t(b[off + 3]);
}

struct Gray {
  uint32_t w = 0, h = 0;
  std::vector<uint8_t> px;
  bool dark(uint32_t x, uint32_t y) const { return px[y * w + x] < 128; }
};

// Decodes with libpng's simplified API into 8-bit gray.
Gray decode(const util::Bytes& png) {
  png_image img{};
  img.version = PNG_IMAGE_VERSION;
  REQUIRE(png_image_begin_read_from_memory(&img, png.data(), png.size()) != 0);
  img.format = PNG_FORMAT_GRAY;
  Gray g;
  g.w = img.width;
  g.h = img.height;
  g.px.resize(PNG_IMAGE_SIZE(img));
  REQUIRE(png_image_finish_read(&img, nullptr, g.px.data(), 0, nullptr) != 0);
  return g;
}

// Module (mx, my) of the symbol, sampled at the centre of its pixel block.
bool module_dark(const Gray& g, int scale, int mx, int my) {
  return g.dark(uint32_t((mx + 4) * scale + scale / 2), uint32_t((my + 4) * scale + scale / 2));
}

// ISO/IEC 18004 finder pattern: 7x7 dark ring, light ring, 3x3 dark core; light separator.
void check_finder(const Gray& g, int scale, int ox, int oy) {
  for (int y = 0; y < 7; ++y) {
    for (int x = 0; x < 7; ++x) {
      bool ring = x == 0 || y == 0 || x == 6 || y == 6;
      bool core = x >= 2 && x <= 4 && y >= 2 && y <= 4;
      INFO("finder at " << ox << "," << oy << " module " << x << "," << y);
      CHECK(module_dark(g, scale, ox + x, oy + y) == (ring || core));
    }
  }
}

}  // namespace

TEST_CASE("QR data URL holds a PNG of the right size", "[qr]") {
  for (int scale : {1, 6, 10}) {
    INFO("scale " << scale);
    util::Bytes png = png_of(util::qr_png_data_url(kPairText, scale));
    REQUIRE(png.size() > 33);
    const util::Bytes sig{0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    CHECK(util::Bytes(png.begin(), png.begin() + 8) == sig);
    CHECK(be32(png, 8) == 13);  // IHDR length
    CHECK(std::string(png.begin() + 12, png.begin() + 16) == "IHDR");
    // Module count from libqrencode itself with the documented parameters (level M, 8-bit).
    QRcode* ref = QRcode_encodeString(kPairText.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    REQUIRE(ref != nullptr);
    const uint32_t expected = uint32_t((ref->width + 8) * scale);
    QRcode_free(ref);
    CHECK(be32(png, 16) == expected);
    CHECK(be32(png, 20) == expected);
    CHECK(png[25] == 0);  // colour type: grayscale
  }
}

TEST_CASE("QR image shows finder patterns, quiet zone and libqrencode's modules", "[qr]") {
  const int scale = 6;  // the default
  util::Bytes png = png_of(util::qr_png_data_url(kPairText));
  Gray g = decode(png);
  QRcode* ref = QRcode_encodeString(kPairText.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  REQUIRE(ref != nullptr);
  const int n = ref->width;
  REQUIRE(g.w == uint32_t((n + 8) * scale));
  REQUIRE(g.h == g.w);
  CHECK((n - 17) % 4 == 0);  // a valid QR version size

  check_finder(g, scale, 0, 0);
  check_finder(g, scale, n - 7, 0);
  check_finder(g, scale, 0, n - 7);
  for (int i = 0; i < 8; ++i) {  // separators around the top-left finder are light
    CHECK_FALSE(module_dark(g, scale, 7, i));
    CHECK_FALSE(module_dark(g, scale, i, 7));
  }

  // Quiet zone: the 4-module border is entirely white.
  size_t dark_in_border = 0;
  const uint32_t border = 4 * scale;
  for (uint32_t y = 0; y < g.h; ++y) {
    for (uint32_t x = 0; x < g.w; ++x) {
      bool in_border = x < border || y < border || x >= g.w - border || y >= g.h - border;
      if (in_border && g.dark(x, y)) ++dark_in_border;
    }
  }
  CHECK(dark_in_border == 0);

  // Every module, every pixel of it, matches the matrix.
  size_t mismatches = 0;
  for (int my = 0; my < n; ++my) {
    for (int mx = 0; mx < n; ++mx) {
      bool want = ref->data[my * n + mx] & 1;
      for (int dy = 0; dy < scale; ++dy) {
        for (int dx = 0; dx < scale; ++dx) {
          if (g.dark(uint32_t((mx + 4) * scale + dx), uint32_t((my + 4) * scale + dy)) != want) {
            ++mismatches;
          }
        }
      }
    }
  }
  QRcode_free(ref);
  CHECK(mismatches == 0);
}

TEST_CASE("QR rendering is case-sensitive 8-bit: different case, different image", "[qr]") {
  CHECK(util::qr_png_data_url("https://wa.me/abc") != util::qr_png_data_url("HTTPS://WA.ME/ABC"));
  CHECK(util::qr_png_data_url("same") == util::qr_png_data_url("same"));
}

TEST_CASE("QR rejects what it cannot render", "[qr]") {
  CHECK_THROWS_AS(util::qr_png_data_url(""), std::runtime_error);
  CHECK_THROWS_AS(util::qr_png_data_url(std::string(4000, 'x')), std::runtime_error);
  CHECK_THROWS_AS(util::qr_png_data_url(std::string("a\0b", 3)), std::runtime_error);
  CHECK_THROWS_AS(util::qr_png_data_url("x", 0), std::invalid_argument);
  CHECK_THROWS_AS(util::qr_png_data_url("x", -3), std::invalid_argument);
}
