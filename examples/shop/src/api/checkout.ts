import type { APIGatewayProxyResultV2, LambdaFunctionURLEvent } from 'aws-lambda';
import { JobInputError } from 'lambda-jobs';
import { createJobClient } from 'lambda-jobs/aws';
import config from '../../lambda-jobs.config.ts';
import { registry, sendReceipt, syncInventory } from '../jobs/index.ts';

const jobs = createJobClient({ registry, config });

interface Order {
  readonly orderId: string;
  readonly email: string;
  readonly items: { readonly sku: string; readonly quantity: number }[];
}

/** `POST /` with an order: answers 202 once its receipt and inventory jobs are queued. */
export const handler = async (event: LambdaFunctionURLEvent): Promise<APIGatewayProxyResultV2> => {
  const order = JSON.parse(event.body ?? '{}') as Order;
  try {
    const receipt = await jobs.enqueue(sendReceipt, { orderId: order.orderId, email: order.email });
    const inventory = await jobs.enqueue(syncInventory, {
      orderId: order.orderId,
      items: order.items,
    });
    return { statusCode: 202, body: JSON.stringify({ receipt, inventory }) };
  } catch (error) {
    if (error instanceof JobInputError) {
      return {
        statusCode: 400,
        body: JSON.stringify({ field: error.field, error: error.message }),
      };
    }
    throw error;
  }
};
