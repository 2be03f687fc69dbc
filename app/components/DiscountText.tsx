import { describeDiscount, type DiscountTerms, type DurationTerms } from "~/domain/coupon";

/** A coupon's discount in words: "20% off your first payment", "$10.00 off forever". */
export function DiscountText({ coupon }: { coupon: DiscountTerms & DurationTerms }) {
  return <span className="discount-text">{describeDiscount(coupon)}</span>;
}
