// QR code rendering for the gateway's UI: libqrencode for the matrix, libpng for the image.
#pragma once
#include <string>

namespace util {

// "data:image/png;base64,..." of a QR code (error correction M, 4-module quiet zone).
// Throws std::runtime_error if the text cannot be encoded.
std::string qr_png_data_url(const std::string& text, int scale = 6);

}  // namespace util
