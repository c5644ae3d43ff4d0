#pragma once

// Request and response of a call on one protobuf arena. By default gRPC
// allocates both on the heap, and parsing an offer (lines, money, decimals)
// then costs dozens of small allocations and frees per call — a quarter of
// EvaluateOffer's CPU in the profile. On an arena, parsing bumps a pointer
// within a block that lives in the holder itself for typical messages, and
// everything is freed at once when gRPC releases the call.

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/message_allocator.h>

#include "google/protobuf/arena.h"

namespace signoff::transport {

template <typename Request, typename Response>
class ArenaMessages : public grpc::MessageAllocator<Request, Response> {
 public:
  grpc::MessageHolder<Request, Response>* AllocateMessages() override { return new Holder(); }

 private:
  class Holder : public grpc::MessageHolder<Request, Response> {
   public:
    Holder() : arena_(Options(initial_block_, sizeof(initial_block_))) {
      this->set_request(google::protobuf::Arena::CreateMessage<Request>(&arena_));
      this->set_response(google::protobuf::Arena::CreateMessage<Response>(&arena_));
    }
    void Release() override { delete this; }

   private:
    static google::protobuf::ArenaOptions Options(char* block, size_t size) {
      google::protobuf::ArenaOptions options;
      options.initial_block = block;
      options.initial_block_size = size;
      return options;
    }
    // Enough for an offer of a few dozen lines and its decision; larger
    // messages continue in blocks the arena allocates.
    alignas(8) char initial_block_[16 * 1024];
    google::protobuf::Arena arena_;
  };
};

}  // namespace signoff::transport
