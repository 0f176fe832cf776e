// celm_torch: a minimal tensor API over libtorch (Debian libtorch-dev 1.13) for Node, via N-API.
//
// This is the native half of the "torch" backend of src/model/runtime/. The TypeScript side
// (src/model/runtime/torch.ts) is the only caller; model code never sees this module.
//
// Design (see docs/ml-runtime.md):
//   - One JS object (class Tensor) per torch::Tensor handle. torch refcounts storage, so a JS handle
//     can be disposed as soon as JS no longer needs it, even if autograd still holds the tensor.
//     dispose() frees eagerly; the GC finalizer frees whatever was not disposed.
//   - Ops are free functions (matmul(a, b), ...) mirroring ATen names; float32 data, int64 indices.
//   - Autograd, AdamW and serialization of optimizer state are libtorch's own.
//   - Every C++ exception becomes a JS Error with torch's message (first line).
#include <napi.h>
#include <torch/torch.h>
#include <torch/csrc/autograd/profiler_legacy.h>

#include <malloc.h>

#include <memory>
#include <string>
#include <vector>

extern "C" void openblas_set_num_threads(int);
extern "C" int openblas_get_num_threads(void);

namespace {

// ---------------------------------------------------------------------------------------------
// Tensor handle

class Tensor : public Napi::ObjectWrap<Tensor> {
 public:
  static Napi::FunctionReference ctor;
  torch::Tensor t;
  bool live = false;

  static Napi::Function Init(Napi::Env env) {
    return DefineClass(
        env, "Tensor",
        {
            InstanceAccessor<&Tensor::Shape>("shape"),
            InstanceAccessor<&Tensor::Dtype>("dtype"),
            InstanceAccessor<&Tensor::Disposed>("disposed"),
            InstanceAccessor<&Tensor::RequiresGrad, &Tensor::SetRequiresGrad>("requiresGrad"),
            InstanceMethod<&Tensor::Grad>("gradRaw"),  // wrapped as grad() by torch.ts (tidy tracking)
            InstanceMethod<&Tensor::ToFloat32>("toFloat32Array"),
            InstanceMethod<&Tensor::ToInt32>("toInt32Array"),
            InstanceMethod<&Tensor::Item>("item"),
            InstanceMethod<&Tensor::Backward>("backward"),
            InstanceMethod<&Tensor::Dispose>("dispose"),
            InstanceMethod<&Tensor::CopyFrom>("copyFrom"),
        });
  }

  explicit Tensor(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Tensor>(info) {}

  static Napi::Object Wrap(Napi::Env env, torch::Tensor&& t) {
    Napi::Object o = ctor.New({});
    Tensor* w = Unwrap(o);
    w->t = std::move(t);
    w->live = true;
    return o;
  }

  const torch::Tensor& get(Napi::Env env) const {
    if (!live) throw Napi::Error::New(env, "celm_torch: tensor used after dispose()");
    return t;
  }

 private:
  Napi::Value Shape(const Napi::CallbackInfo& info) {
    auto sizes = get(info.Env()).sizes();
    Napi::Array a = Napi::Array::New(info.Env(), sizes.size());
    for (size_t i = 0; i < sizes.size(); i++) a.Set(i, Napi::Number::New(info.Env(), (double)sizes[i]));
    return a;
  }
  Napi::Value Dtype(const Napi::CallbackInfo& info) {
    auto s = get(info.Env()).scalar_type();
    const char* n = s == torch::kFloat ? "float32" : s == torch::kLong ? "int64" : s == torch::kBool ? "bool" : "other";
    return Napi::String::New(info.Env(), n);
  }
  Napi::Value Disposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !live); }
  Napi::Value RequiresGrad(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), get(info.Env()).requires_grad());
  }
  void SetRequiresGrad(const Napi::CallbackInfo& info, const Napi::Value& v) {
    get(info.Env());
    t.requires_grad_(v.As<Napi::Boolean>().Value());
  }
  Napi::Value Grad(const Napi::CallbackInfo& info) {
    const auto& g = get(info.Env()).grad();
    if (!g.defined()) return info.Env().Null();
    return Wrap(info.Env(), torch::Tensor(g));
  }
  Napi::Value ToFloat32(const Napi::CallbackInfo& info) {
    auto c = get(info.Env()).detach().to(torch::kFloat).contiguous();
    auto n = c.numel();
    auto out = Napi::Float32Array::New(info.Env(), n);
    std::memcpy(out.Data(), c.data_ptr<float>(), n * sizeof(float));
    return out;
  }
  Napi::Value ToInt32(const Napi::CallbackInfo& info) {
    auto c = get(info.Env()).detach().to(torch::kInt).contiguous();
    auto n = c.numel();
    auto out = Napi::Int32Array::New(info.Env(), n);
    std::memcpy(out.Data(), c.data_ptr<int32_t>(), n * sizeof(int32_t));
    return out;
  }
  Napi::Value Item(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), get(info.Env()).item<double>());
  }
  Napi::Value Backward(const Napi::CallbackInfo& info) {
    get(info.Env()).backward();
    return info.Env().Undefined();
  }
  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    t = torch::Tensor();
    live = false;
    return info.Env().Undefined();
  }
  // In-place copy of another tensor's values (no autograd): used to load weights into parameters.
  Napi::Value CopyFrom(const Napi::CallbackInfo& info) {
    torch::NoGradGuard ng;
    get(info.Env()).copy_(Unwrap(info[0].As<Napi::Object>())->get(info.Env()));
    return info.Env().Undefined();
  }
};
Napi::FunctionReference Tensor::ctor;

// ---------------------------------------------------------------------------------------------
// Argument helpers

const torch::Tensor& T(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsObject()) throw Napi::TypeError::New(info.Env(), "celm_torch: expected a Tensor at argument " + std::to_string(i));
  return Tensor::Unwrap(info[i].As<Napi::Object>())->get(info.Env());
}
std::vector<int64_t> Ints(const Napi::Value& v) {
  auto a = v.As<Napi::Array>();
  std::vector<int64_t> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); i++) out[i] = a.Get(i).As<Napi::Number>().Int64Value();
  return out;
}
double D(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().DoubleValue(); }
int64_t I(const Napi::CallbackInfo& info, size_t i) { return info[i].As<Napi::Number>().Int64Value(); }
bool B(const Napi::CallbackInfo& info, size_t i, bool dflt = false) {
  return info.Length() > i && info[i].IsBoolean() ? info[i].As<Napi::Boolean>().Value() : dflt;
}
Napi::Value W(const Napi::CallbackInfo& info, torch::Tensor&& t) { return Tensor::Wrap(info.Env(), std::move(t)); }

// Turns libtorch exceptions into JS errors with a short message.
template <typename F>
Napi::Value Guard(const Napi::CallbackInfo& info, F f) {
  try {
    return f();
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    std::string m = e.what_without_backtrace();
    throw Napi::Error::New(info.Env(), "celm_torch: " + m.substr(0, m.find('\n')));
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("celm_torch: ") + e.what());
  }
}
#define FN(name) Napi::Value name(const Napi::CallbackInfo& info)
#define OP(name, expr) \
  FN(name) { return Guard(info, [&] { return W(info, (expr)); }); }

// ---------------------------------------------------------------------------------------------
// Creation

// tensor(Float32Array, shape, requiresGrad?) -> float32 tensor (copied)
FN(FromFloat32) {
  return Guard(info, [&] {
    auto a = info[0].As<Napi::Float32Array>();
    auto shape = Ints(info[1]);
    auto t = torch::from_blob(a.Data(), shape, torch::kFloat).clone();
    if (B(info, 2)) t.requires_grad_(true);
    return W(info, std::move(t));
  });
}
// tensorInt(Int32Array, shape) -> int64 tensor (indices, targets)
FN(FromInt32) {
  return Guard(info, [&] {
    auto a = info[0].As<Napi::Int32Array>();
    auto t = torch::from_blob(a.Data(), Ints(info[1]), torch::kInt).to(torch::kLong);
    return W(info, std::move(t));
  });
}
// tensorBool(Uint8Array, shape) -> bool tensor (attention and padding masks; nonzero = true)
FN(FromUint8) {
  return Guard(info, [&] {
    auto a = info[0].As<Napi::Uint8Array>();
    auto t = torch::from_blob(a.Data(), Ints(info[1]), torch::kUInt8).to(torch::kBool);
    return W(info, std::move(t));
  });
}
FN(Zeros) {
  return Guard(info, [&] { return W(info, torch::zeros(Ints(info[0]), torch::TensorOptions().requires_grad(B(info, 1)))); });
}
FN(Ones) {
  return Guard(info, [&] { return W(info, torch::ones(Ints(info[0]), torch::TensorOptions().requires_grad(B(info, 1)))); });
}
// randn(shape, std, requiresGrad?) — normal(0, std) from torch's generator (manualSeed)
FN(Randn) {
  return Guard(info, [&] {
    auto t = torch::randn(Ints(info[0])) * D(info, 1);
    if (B(info, 2)) t.requires_grad_(true);
    return W(info, std::move(t));
  });
}
// rand(shape) uniform [0,1): masks for masked-patch pretraining, dropout-like noise
OP(Rand, torch::rand(Ints(info[0])))
// causalMask(n): bool [n, n], true above the diagonal (positions to hide)
OP(CausalMask, torch::ones({I(info, 0), I(info, 0)}, torch::kBool).triu(1))
OP(Arange, torch::arange(I(info, 0), torch::kLong))

// ---------------------------------------------------------------------------------------------
// Arithmetic and nonlinearities

OP(Matmul, torch::matmul(T(info, 0), T(info, 1)))
// linear(x, w[out,in], b|null) = x @ w^T + b (one fused addmm)
OP(Linear, torch::linear(T(info, 0), T(info, 1), info[2].IsObject() ? T(info, 2) : torch::Tensor()))
OP(Add, T(info, 0) + T(info, 1))
OP(Sub, T(info, 0) - T(info, 1))
OP(Mul, T(info, 0) * T(info, 1))
OP(Div, T(info, 0) / T(info, 1))
OP(AddScalar, T(info, 0) + D(info, 1))
OP(MulScalar, T(info, 0) * D(info, 1))
OP(Neg, -T(info, 0))
OP(Exp, T(info, 0).exp())
OP(Log, T(info, 0).log())
OP(Sqrt, T(info, 0).sqrt())
OP(Tanh, T(info, 0).tanh())
OP(Relu, torch::relu(T(info, 0)))
OP(Gelu, torch::gelu(T(info, 0), B(info, 1) ? "tanh" : "none"))
OP(Softmax, torch::softmax(T(info, 0), I(info, 1)))
OP(LogSoftmax, torch::log_softmax(T(info, 0), I(info, 1)))
// layerNorm(x, w, b, eps): normalizes the last dim
OP(LayerNorm, torch::layer_norm(T(info, 0), {T(info, 1).size(0)}, T(info, 1), T(info, 2), D(info, 3)))
// embedding(weight[V, d], idx int64[...]) -> [..., d]
OP(Embedding, torch::embedding(T(info, 0), T(info, 1)))
// crossEntropy(logits[N, V], targets int64[N], ignoreIndex) -> mean over non-ignored
OP(CrossEntropy, torch::nn::functional::cross_entropy(T(info, 0), T(info, 1),
                                                      torch::nn::functional::CrossEntropyFuncOptions().ignore_index(I(info, 2))))
OP(MseLoss, torch::mse_loss(T(info, 0), T(info, 1)))
// dropout(x, p, train)
OP(Dropout, torch::dropout(T(info, 0), D(info, 1), B(info, 2)))
// maskedFill(x, boolMask, value)
OP(MaskedFill, T(info, 0).masked_fill(T(info, 1), D(info, 2)))
OP(Where, torch::where(T(info, 0), T(info, 1), T(info, 2)))
// attention(q, k, v, mask|null, scale): softmax(q k^T * scale, masked) v   [..., Tq, dh] (composite, autograd)
FN(Attention) {
  return Guard(info, [&] {
    auto att = torch::matmul(T(info, 0), T(info, 1).transpose(-2, -1)) * D(info, 4);
    if (info[3].IsObject()) att = att.masked_fill(T(info, 3), -std::numeric_limits<float>::infinity());
    return W(info, torch::matmul(torch::softmax(att, -1), T(info, 2)));
  });
}

// ---------------------------------------------------------------------------------------------
// Reductions and shape

FN(Sum) {
  return Guard(info, [&] {
    if (info.Length() < 2 || info[1].IsUndefined()) return W(info, T(info, 0).sum());
    return W(info, T(info, 0).sum(Ints(info[1]), B(info, 2)));
  });
}
FN(Mean) {
  return Guard(info, [&] {
    if (info.Length() < 2 || info[1].IsUndefined()) return W(info, T(info, 0).mean());
    return W(info, T(info, 0).mean(Ints(info[1]), B(info, 2)));
  });
}
OP(Argmax, T(info, 0).argmax(I(info, 1)))
// topk(x, k, dim) -> [values, indices]
FN(Topk) {
  return Guard(info, [&] {
    auto r = T(info, 0).topk(I(info, 1), I(info, 2));
    Napi::Array a = Napi::Array::New(info.Env(), 2);
    a.Set(0u, W(info, std::move(std::get<0>(r))));
    a.Set(1u, W(info, std::move(std::get<1>(r))));
    return a.As<Napi::Value>();
  });
}
OP(Reshape, T(info, 0).reshape(Ints(info[1])))
OP(Transpose, T(info, 0).transpose(I(info, 1), I(info, 2)))
OP(Permute, T(info, 0).permute(Ints(info[1])))
OP(Contiguous, T(info, 0).contiguous())
OP(Narrow, T(info, 0).narrow(I(info, 1), I(info, 2), I(info, 3)))
OP(IndexSelect, T(info, 0).index_select(I(info, 1), T(info, 2)))
OP(Expand, T(info, 0).expand(Ints(info[1])))
OP(Detach, T(info, 0).detach())
OP(Clone, T(info, 0).clone())
FN(Cat) {
  return Guard(info, [&] {
    auto arr = info[0].As<Napi::Array>();
    std::vector<torch::Tensor> ts;
    for (uint32_t i = 0; i < arr.Length(); i++) ts.push_back(Tensor::Unwrap(arr.Get(i).As<Napi::Object>())->get(info.Env()));
    return W(info, torch::cat(ts, I(info, 1)));
  });
}

// ---------------------------------------------------------------------------------------------
// Autograd mode, threads, seeds

// There is one JS thread, so a global grad mode is enough. NoGradGuard is thread-local RAII in
// libtorch; here the TS side brackets a callback with setGradEnabled(false) / restore.
FN(SetGradEnabled) {
  torch::autograd::GradMode::set_enabled(info[0].As<Napi::Boolean>().Value());
  return info.Env().Undefined();
}
FN(IsGradEnabled) { return Napi::Boolean::New(info.Env(), torch::autograd::GradMode::is_enabled()); }
FN(SetNumThreads) {
  // setNumThreads(n, blasThreads = n): libtorch's OpenMP pool for its own kernels, and OpenBLAS's
  // pthread pool for the GEMMs libtorch hands to Debian's OpenBLAS.
  int n = (int)I(info, 0);
  torch::set_num_threads(n);
  openblas_set_num_threads(info.Length() > 1 && info[1].IsNumber() ? (int)I(info, 1) : n);
  return info.Env().Undefined();
}
FN(GetNumThreads) { return Napi::Number::New(info.Env(), torch::get_num_threads()); }
FN(ManualSeed) {
  torch::manual_seed((uint64_t)I(info, 0));
  return info.Env().Undefined();
}
FN(Info) {
  auto o = Napi::Object::New(info.Env());
  o.Set("torch", TORCH_VERSION);
  o.Set("threads", torch::get_num_threads());
  o.Set("openblasThreads", openblas_get_num_threads());
  o.Set("config", at::show_config());
  return o;
}

// profileStart(path) / profileStop(): libtorch's op profiler, written as a chrome://tracing JSON.
std::unique_ptr<torch::autograd::profiler::RecordProfile> profiler;
FN(ProfileStart) {
  return Guard(info, [&] {
    profiler = std::make_unique<torch::autograd::profiler::RecordProfile>(info[0].As<Napi::String>().Utf8Value());
    return info.Env().Undefined();
  });
}
FN(ProfileStop) {
  profiler.reset();
  return info.Env().Undefined();
}

// clipGradNorm(params[], maxNorm) -> total norm before clipping
FN(ClipGradNorm) {
  return Guard(info, [&] {
    auto arr = info[0].As<Napi::Array>();
    std::vector<torch::Tensor> ps;
    for (uint32_t i = 0; i < arr.Length(); i++) ps.push_back(Tensor::Unwrap(arr.Get(i).As<Napi::Object>())->get(info.Env()));
    return Napi::Number::New(info.Env(), torch::nn::utils::clip_grad_norm_(ps, D(info, 1))).As<Napi::Value>();
  });
}

// ---------------------------------------------------------------------------------------------
// AdamW (torch::optim::AdamW): new AdamW(params[], lr, beta1, beta2, eps, weightDecay)

class AdamW : public Napi::ObjectWrap<AdamW> {
 public:
  std::unique_ptr<torch::optim::AdamW> opt;
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "AdamW",
                       {
                           InstanceMethod<&AdamW::Step>("step"),
                           InstanceMethod<&AdamW::ZeroGrad>("zeroGrad"),
                           InstanceMethod<&AdamW::SetLr>("setLr"),
                           InstanceMethod<&AdamW::Save>("save"),
                           InstanceMethod<&AdamW::Load>("load"),
                       });
  }
  explicit AdamW(const Napi::CallbackInfo& info) : Napi::ObjectWrap<AdamW>(info) {
    Guard(info, [&] {
      auto arr = info[0].As<Napi::Array>();
      std::vector<torch::Tensor> ps;
      for (uint32_t i = 0; i < arr.Length(); i++) ps.push_back(Tensor::Unwrap(arr.Get(i).As<Napi::Object>())->get(info.Env()));
      auto o = torch::optim::AdamWOptions(D(info, 1)).betas({D(info, 2), D(info, 3)}).eps(D(info, 4)).weight_decay(D(info, 5));
      opt = std::make_unique<torch::optim::AdamW>(ps, o);
      return info.Env().Undefined();
    });
  }

 private:
  Napi::Value Step(const Napi::CallbackInfo& info) {
    return Guard(info, [&] {
      opt->step();
      return info.Env().Undefined();
    });
  }
  Napi::Value ZeroGrad(const Napi::CallbackInfo& info) {
    opt->zero_grad();  // libtorch 1.13: zeroes in place (no set_to_none)
    return info.Env().Undefined();
  }
  Napi::Value SetLr(const Napi::CallbackInfo& info) {
    for (auto& g : opt->param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(D(info, 0));
    return info.Env().Undefined();
  }
  // Optimizer state (moments, step counts) in libtorch's archive format: backend-specific, for resume.
  Napi::Value Save(const Napi::CallbackInfo& info) {
    return Guard(info, [&] {
      torch::save(*opt, info[0].As<Napi::String>().Utf8Value());
      return info.Env().Undefined();
    });
  }
  Napi::Value Load(const Napi::CallbackInfo& info) {
    return Guard(info, [&] {
      torch::load(*opt, info[0].As<Napi::String>().Utf8Value());
      return info.Env().Undefined();
    });
  }
};

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // glibc raises its mmap threshold dynamically after large frees; activations (MBs each, freed
  // every step) then land in fragmented heap arenas and RSS climbs by ~300 MB per encoder batch
  // (measured). A fixed threshold returns big buffers to the OS at free. $CELM_MMAP_THRESHOLD=0 skips.
  {
    const char* e = std::getenv("CELM_MMAP_THRESHOLD");
    long th = e ? std::atol(e) : 256 * 1024;
    if (th > 0) mallopt(M_MMAP_THRESHOLD, (int)th);
  }
  Tensor::ctor = Napi::Persistent(Tensor::Init(env));
  exports.Set("Tensor", Tensor::ctor.Value());
  exports.Set("AdamW", AdamW::Init(env));
#define EXPORT(js, fn) exports.Set(js, Napi::Function::New(env, fn, js))
  EXPORT("tensor", FromFloat32);
  EXPORT("tensorInt", FromInt32);
  EXPORT("tensorBool", FromUint8);
  EXPORT("zeros", Zeros);
  EXPORT("ones", Ones);
  EXPORT("randn", Randn);
  EXPORT("rand", Rand);
  EXPORT("causalMask", CausalMask);
  EXPORT("arange", Arange);
  EXPORT("matmul", Matmul);
  EXPORT("linear", Linear);
  EXPORT("add", Add);
  EXPORT("sub", Sub);
  EXPORT("mul", Mul);
  EXPORT("div", Div);
  EXPORT("addScalar", AddScalar);
  EXPORT("mulScalar", MulScalar);
  EXPORT("neg", Neg);
  EXPORT("exp", Exp);
  EXPORT("log", Log);
  EXPORT("sqrt", Sqrt);
  EXPORT("tanh", Tanh);
  EXPORT("relu", Relu);
  EXPORT("gelu", Gelu);
  EXPORT("softmax", Softmax);
  EXPORT("logSoftmax", LogSoftmax);
  EXPORT("layerNorm", LayerNorm);
  EXPORT("embedding", Embedding);
  EXPORT("crossEntropy", CrossEntropy);
  EXPORT("mseLoss", MseLoss);
  EXPORT("dropout", Dropout);
  EXPORT("maskedFill", MaskedFill);
  EXPORT("where", Where);
  EXPORT("attention", Attention);
  EXPORT("sum", Sum);
  EXPORT("mean", Mean);
  EXPORT("argmax", Argmax);
  EXPORT("topk", Topk);
  EXPORT("reshape", Reshape);
  EXPORT("transpose", Transpose);
  EXPORT("permute", Permute);
  EXPORT("contiguous", Contiguous);
  EXPORT("narrow", Narrow);
  EXPORT("indexSelect", IndexSelect);
  EXPORT("expand", Expand);
  EXPORT("detach", Detach);
  EXPORT("clone", Clone);
  EXPORT("cat", Cat);
  EXPORT("setGradEnabled", SetGradEnabled);
  EXPORT("isGradEnabled", IsGradEnabled);
  EXPORT("setNumThreads", SetNumThreads);
  EXPORT("getNumThreads", GetNumThreads);
  EXPORT("manualSeed", ManualSeed);
  EXPORT("info", Info);
  EXPORT("clipGradNorm", ClipGradNorm);
  EXPORT("profileStart", ProfileStart);
  EXPORT("profileStop", ProfileStop);
#undef EXPORT
  return exports;
}

}  // namespace

NODE_API_MODULE(celm_torch, Init)
