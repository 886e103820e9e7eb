// Dense kernels for the training experiments, for double and MPFR, without allocation.
//
// The ReLU network's forward and backward passes (relu_network.hpp) are a handful of matrix products
// over all samples at once plus element-wise maps. This header provides them for the two point kinds:
//
//   double     Eigen's own GEMM (`C.noalias() = A * B`), vectorised; element-wise maps as plain loops;
//   mpfr_real  loops over raw MPFR values with one preallocated temporary: no number is created inside a
//              kernel, so a GD step allocates nothing (Eigen's generic product on Boost numbers would
//              create a temporary, i.e. a heap allocation, per multiply-add).
//
// Every kernel writes into a caller-owned matrix of the right shape (the caller preallocates its
// workspace once); shapes are checked with assertions only.
#pragma once

#include <diffbound/theory/scalar.hpp>

#include <Eigen/Dense>
#include <boost/multiprecision/eigen.hpp>

#include <cassert>
#include <cmath>
#include <type_traits>

namespace diffbound {

template <class Real>
using Mat = Eigen::Matrix<Real, Eigen::Dynamic, Eigen::Dynamic>;
template <class Real>
using Vec = Eigen::Matrix<Real, Eigen::Dynamic, 1>;

/// Whether an operand of a product is used as is or transposed.
enum class Op { N, T };

// ---------------------------------------------------------------------------------------------
// Scalar operations in place (no temporaries for MPFR)

namespace kern {

inline mpfr_ptr p(mpfr_real& x) { return x.backend().data(); }
inline mpfr_srcptr p(const mpfr_real& x) { return x.backend().data(); }

/// r = a · b
inline void mul(double& r, double a, double b) { r = a * b; }
inline void mul(mpfr_real& r, const mpfr_real& a, const mpfr_real& b) { mpfr_mul(p(r), p(a), p(b), MPFR_RNDN); }
/// r += a · b, with a scratch value t (unused for double)
inline void add_mul(double& r, double a, double b, double&) { r += a * b; }
inline void add_mul(mpfr_real& r, const mpfr_real& a, const mpfr_real& b, mpfr_real& t) {
  mpfr_mul(p(t), p(a), p(b), MPFR_RNDN);
  mpfr_add(p(r), p(r), p(t), MPFR_RNDN);
}
/// r −= a · b
inline void sub_mul(double& r, double a, double b, double&) { r -= a * b; }
inline void sub_mul(mpfr_real& r, const mpfr_real& a, const mpfr_real& b, mpfr_real& t) {
  mpfr_mul(p(t), p(a), p(b), MPFR_RNDN);
  mpfr_sub(p(r), p(r), p(t), MPFR_RNDN);
}
/// r = a · b + c · d
inline void mul_add_mul(double& r, double a, double b, double c, double d, double&) { r = a * b + c * d; }
inline void mul_add_mul(mpfr_real& r, const mpfr_real& a, const mpfr_real& b, const mpfr_real& c, const mpfr_real& d,
                        mpfr_real& t) {
  mpfr_mul(p(t), p(c), p(d), MPFR_RNDN);
  mpfr_mul(p(r), p(a), p(b), MPFR_RNDN);
  mpfr_add(p(r), p(r), p(t), MPFR_RNDN);
}
/// r += a
inline void add(double& r, double a) { r += a; }
inline void add(mpfr_real& r, const mpfr_real& a) { mpfr_add(p(r), p(r), p(a), MPFR_RNDN); }
/// r = 0
inline void zero(double& r) { r = 0; }
inline void zero(mpfr_real& r) { mpfr_set_zero(p(r), 1); }
/// x > 0
inline bool positive(double x) { return x > 0; }
inline bool positive(const mpfr_real& x) { return mpfr_sgn(p(x)) > 0; }
/// r = max(r, 0)
inline void relu(double& r) {
  if (!(r > 0)) r = 0;
}
inline void relu(mpfr_real& r) {
  if (mpfr_sgn(p(r)) <= 0) mpfr_set_zero(p(r), 1);
}

}  // namespace kern

// ---------------------------------------------------------------------------------------------
// Products C = op(A) · op(B), overwriting C (which has the right shape already)

inline void gemm(Mat<double>& C, const Mat<double>& A, Op ta, const Mat<double>& B, Op tb) {
  if (ta == Op::N && tb == Op::N)
    C.noalias() = A * B;
  else if (ta == Op::T && tb == Op::N)
    C.noalias() = A.transpose() * B;
  else if (ta == Op::N && tb == Op::T)
    C.noalias() = A * B.transpose();
  else
    C.noalias() = A.transpose() * B.transpose();
}

/// MPFR: plain triple loop over raw values, accumulating in C itself with one scratch value. The
/// accumulation order is fixed (k ascending), so results do not depend on threads or blocking.
inline void gemm(Mat<mpfr_real>& C, const Mat<mpfr_real>& A, Op ta, const Mat<mpfr_real>& B, Op tb) {
  const Eigen::Index rows = C.rows(), cols = C.cols();
  const Eigen::Index inner = ta == Op::N ? A.cols() : A.rows();
  assert(rows == (ta == Op::N ? A.rows() : A.cols()));
  assert(cols == (tb == Op::N ? B.cols() : B.rows()));
  assert(inner == (tb == Op::N ? B.rows() : B.cols()));
  const Eigen::Index lda = A.rows(), ldb = B.rows();
  const mpfr_real* a = A.data();
  const mpfr_real* b = B.data();
  // Stride of k along op(A)'s row i and op(B)'s column j.
  const Eigen::Index a_k = ta == Op::N ? lda : 1, a_i = ta == Op::N ? 1 : lda;
  const Eigen::Index b_k = tb == Op::N ? 1 : ldb, b_j = tb == Op::N ? ldb : 1;
  if (C.size() == 0) return;
  // One scratch value per thread, kept at the precision of C (re-sized only when that changes), so that
  // a product allocates nothing.
  thread_local mpfr_real t;
  const mpfr_prec_t prec = mpfr_get_prec(kern::p(C.data()[0]));
  if (mpfr_get_prec(kern::p(t)) != prec) mpfr_set_prec(kern::p(t), prec);
  for (Eigen::Index j = 0; j < cols; ++j)
    for (Eigen::Index i = 0; i < rows; ++i) {
      mpfr_real& c = C(i, j);
      kern::zero(c);
      const mpfr_real* ai = a + i * a_i;
      const mpfr_real* bj = b + j * b_j;
      for (Eigen::Index k = 0; k < inner; ++k) kern::add_mul(c, ai[k * a_k], bj[k * b_k], t);
    }
}

// ---------------------------------------------------------------------------------------------
// Element-wise maps

/// M = max(M, 0)
template <class Real>
void relu_inplace(Mat<Real>& M) {
  Real* x = M.data();
  for (Eigen::Index i = 0, n = M.size(); i < n; ++i) kern::relu(x[i]);
}

/// D = D ⊙ 1[H > 0] (the ReLU derivative: H = relu(G) > 0 exactly where G > 0)
template <class Real>
void mask_by_positive(Mat<Real>& D, const Mat<Real>& H) {
  assert(D.size() == H.size());
  Real* d = D.data();
  const Real* h = H.data();
  for (Eigen::Index i = 0, n = D.size(); i < n; ++i)
    if (!kern::positive(h[i])) kern::zero(d[i]);
}

/// W −= s · G
template <class Real>
void sub_scaled(Mat<Real>& W, const Real& s, const Mat<Real>& G, Real& scratch) {
  assert(W.size() == G.size());
  if constexpr (std::is_same_v<Real, double>) {
    W.noalias() -= s * G;
  } else {
    Real* w = W.data();
    const Real* g = G.data();
    for (Eigen::Index i = 0, n = W.size(); i < n; ++i) kern::sub_mul(w[i], s, g[i], scratch);
  }
}

/// W += s · G
template <class Real>
void add_scaled(Mat<Real>& W, const Real& s, const Mat<Real>& G, Real& scratch) {
  assert(W.size() == G.size());
  if constexpr (std::is_same_v<Real, double>) {
    W.noalias() += s * G;
  } else {
    Real* w = W.data();
    const Real* g = G.data();
    for (Eigen::Index i = 0, n = W.size(); i < n; ++i) kern::add_mul(w[i], s, g[i], scratch);
  }
}

/// Σ a_i b_i over all entries (Frobenius inner product), accumulated into acc.
template <class Real>
void add_dot(Real& acc, const Mat<Real>& A, const Mat<Real>& B, Real& scratch) {
  assert(A.size() == B.size());
  if constexpr (std::is_same_v<Real, double>) {
    acc += (A.array() * B.array()).sum();
  } else {
    const Real* a = A.data();
    const Real* b = B.data();
    for (Eigen::Index i = 0, n = A.size(); i < n; ++i) kern::add_mul(acc, a[i], b[i], scratch);
  }
}

/// Copies with conversion (double → Real exactly; Real → double rounded to nearest).
template <class To, class From>
void convert(Mat<To>& out, const Mat<From>& in) {
  out.resize(in.rows(), in.cols());
  for (Eigen::Index i = 0; i < in.size(); ++i) {
    if constexpr (std::is_same_v<To, double>)
      out.data()[i] = mid_double(in.data()[i]);
    else
      out.data()[i] = To(in.data()[i]);
  }
}

/// A matrix of the given shape whose MPFR entries are all initialised at the working precision.
template <class Real>
Mat<Real> zeros(Eigen::Index rows, Eigen::Index cols) {
  Mat<Real> M(rows, cols);
  for (Eigen::Index i = 0; i < M.size(); ++i) M.data()[i] = Real(0);
  return M;
}

}  // namespace diffbound
